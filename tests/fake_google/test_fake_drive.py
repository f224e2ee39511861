"""The fake's Drive refuses what Drive refuses: generated IDs for Google types, and sharing in
a shared drive by a member whose role does not allow it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from googleapiclient.errors import HttpError

from fake_google import FOLDER, SPREADSHEET, FakeGoogle
from fake_google.fake_drive import FAKE_OWNER

DOC = "application/vnd.google-apps.document"
SLIDES = "application/vnd.google-apps.presentation"
PDF = "application/pdf"


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=11) as running:
        running.drive.caller_is_service_account = False  # a person: My Drive is theirs
        yield running


def refusal(raised: pytest.ExceptionInfo[HttpError]) -> tuple[int, str]:
    return raised.value.status_code, raised.value.error_details[0]["reason"]


# --- Generated IDs ---------------------------------------------------------------------------


@pytest.mark.parametrize("mime_type", [DOC, SPREADSHEET, SLIDES])
def test_a_google_doc_sheet_or_slides_deck_refuses_a_generated_id_on_create_and_copy(
    fake, mime_type
):
    # Drive's create-file guide: generated IDs are not supported for Google Workspace files
    # but folders (and drive-sdk files); observed live as 400 generatedIdNotSupported
    # ("Generated IDs are not supported for Docs Editors formats").
    files = fake.build("drive").files()
    template = fake.drive.add_file("Template", mime_type)
    first, second = files.generateIds(count=2).execute()["ids"]

    with pytest.raises(HttpError) as created:
        files.create(body={"id": first, "name": "New", "mimeType": mime_type}).execute()
    with pytest.raises(HttpError) as copied:
        files.copy(fileId=template, body={"id": second, "name": "Copy"}).execute()

    assert refusal(created) == refusal(copied) == (400, "generatedIdNotSupported")
    assert "Generated IDs are not supported" in str(copied.value)
    assert [f["name"] for f in fake.drive.files()] == ["Template"]
    # Without an ID both work.
    files.create(body={"name": "New", "mimeType": mime_type}).execute()
    files.copy(fileId=template, body={"name": "Copy"}).execute()
    assert len(fake.drive.files()) == 3


@pytest.mark.parametrize("mime_type", [FOLDER, PDF, "application/vnd.google-apps.drive-sdk"])
def test_folders_and_files_of_no_google_type_take_a_generated_id(fake, mime_type):
    files = fake.build("drive").files()
    (new_id,) = files.generateIds(count=1).execute()["ids"]

    created = files.create(body={"id": new_id, "name": "New", "mimeType": mime_type}).execute()

    assert created["id"] == new_id


def test_a_copy_converted_to_a_google_type_refuses_a_generated_id(fake):
    files = fake.build("drive").files()
    template = fake.drive.add_file("Template.docx", "application/msword")
    (new_id,) = files.generateIds(count=1).execute()["ids"]

    with pytest.raises(HttpError) as raised:
        files.copy(fileId=template, body={"id": new_id, "mimeType": DOC}).execute()

    assert refusal(raised) == (400, "generatedIdNotSupported")


# --- Sharing in shared drives --------------------------------------------------------------


def share(fake: FakeGoogle, file_id: str, email: str = "tutor@example.org") -> dict:
    return (
        fake.build("drive")
        .permissions()
        .create(
            fileId=file_id,
            body={"type": "user", "role": "writer", "emailAddress": email},
            sendNotificationEmail=False,
            supportsAllDrives=True,
        )
        .execute()
    )


@pytest.mark.parametrize(
    ("role", "needs_organizer", "folder", "file"),
    [
        ("organizer", True, True, True),
        ("organizer", False, True, True),
        ("fileOrganizer", True, False, True),  # a Content manager on an older drive
        ("fileOrganizer", False, True, True),  # ... on a drive that lets them share folders
        ("writer", False, False, True),
        ("commenter", False, False, False),
        ("reader", False, False, False),
    ],
)
def test_who_may_share_a_folder_or_a_file_in_a_shared_drive(
    fake, role, needs_organizer, folder, file
):
    drive_id = fake.drive.add_shared_drive(
        "Program", caller_role=role, folder_sharing_needs_organizer=needs_organizer
    )
    shared_folder = fake.drive.add_folder("Ana", parents=[drive_id])
    shared_file = fake.drive.add_file("Log", DOC, parents=[shared_folder])

    for file_id, allowed in ((shared_folder, folder), (shared_file, file)):
        if allowed:
            share(fake, file_id)
            continue
        with pytest.raises(HttpError) as raised:
            share(fake, file_id)
        assert refusal(raised) == (403, "insufficientFilePermissions")


def test_only_a_manager_manages_a_shared_drives_members(fake):
    drive_id = fake.drive.add_shared_drive("Program", caller_role="fileOrganizer")

    with pytest.raises(HttpError) as raised:
        share(fake, drive_id)

    assert refusal(raised) == (403, "insufficientFilePermissions")


def test_changing_or_removing_a_folders_grant_needs_the_same_role_as_sharing_it(fake):
    drive_id = fake.drive.add_shared_drive("Program", folder_sharing_needs_organizer=True)
    folder = fake.drive.add_folder("Ana", parents=[drive_id])
    made = share(fake, folder)
    fake.drive.add_permission(drive_id, FAKE_OWNER, "fileOrganizer")  # demoted by a Manager
    permissions = fake.build("drive").permissions()

    for call in (
        permissions.update(
            fileId=folder, permissionId=made["id"], body={"role": "reader"}, supportsAllDrives=True
        ),
        permissions.delete(fileId=folder, permissionId=made["id"], supportsAllDrives=True),
    ):
        with pytest.raises(HttpError) as raised:
            call.execute()
        assert refusal(raised) == (403, "insufficientFilePermissions")

    fake.drive.set_drive_restrictions(drive_id, sharingFoldersRequiresOrganizerPermission=False)
    permissions.delete(fileId=folder, permissionId=made["id"], supportsAllDrives=True).execute()


def test_a_shared_drive_says_its_restrictions_and_lists_the_caller_as_a_member(fake):
    drive_id = fake.drive.add_shared_drive("Program", caller_role="fileOrganizer")
    drives = fake.build("drive").drives()

    drive = drives.get(driveId=drive_id, fields="id,restrictions").execute()
    members = (
        fake.build("drive")
        .permissions()
        .list(fileId=drive_id, supportsAllDrives=True, fields="permissions(emailAddress,role)")
        .execute()["permissions"]
    )

    # Google's default for a new drive: Content managers may share folders.
    assert drive["restrictions"]["sharingFoldersRequiresOrganizerPermission"] is False
    assert members == [{"emailAddress": FAKE_OWNER, "role": "fileOrganizer"}]
    with pytest.raises(KeyError):
        fake.drive.set_drive_restrictions(drive_id, noSuchRestriction=True)


# --- Service accounts own nothing --------------------------------------------------------------


def test_a_service_account_may_create_and_copy_only_in_shared_drives(fake):
    # Service accounts have no storage quota (Drive answers 403 usageLimits
    # storageQuotaExceeded, a refusal no retry gets past): outside a shared drive, where
    # they would own the file, they can make nothing.
    fake.drive.caller_is_service_account = True
    files = fake.build("drive").files()
    template = fake.drive.add_file("Template", DOC)  # seeded: made by a person
    my_folder = fake.drive.add_folder("Mine")
    drive_id = fake.drive.add_shared_drive("Program")

    refusals = []
    for call in (
        files.create(body={"name": "Ana", "mimeType": FOLDER}),
        files.create(body={"name": "Ana", "mimeType": FOLDER, "parents": [my_folder]}),
        files.copy(fileId=template, body={"name": "Copy"}),
    ):
        with pytest.raises(HttpError) as raised:
            call.execute()
        refusals.append(raised.value)
    made = files.create(
        body={"name": "Ana", "mimeType": FOLDER, "parents": [drive_id]}, supportsAllDrives=True
    ).execute()
    copied = files.copy(
        fileId=template, body={"name": "Copy", "parents": [made["id"]]}, supportsAllDrives=True
    ).execute()

    for refused in refusals:
        assert refused.status_code == 403
        assert refused.error_details[0]["reason"] == "storageQuotaExceeded"
        assert refused.error_details[0]["domain"] == "usageLimits"
        assert "Service Accounts do not have storage quota" in str(refused)
    assert fake.drive.file(copied["id"])["driveId"] == drive_id
    assert len(fake.drive.files()) == 4  # the template, Mine, and the two in the shared drive


def test_the_fakes_caller_is_a_service_account_unless_a_test_says_otherwise():
    with FakeGoogle() as fake:
        assert fake.drive.caller == FAKE_OWNER
        assert fake.drive.caller_is_service_account is True
        assert FAKE_OWNER.endswith(".iam.gserviceaccount.com")


# --- Modified times ------------------------------------------------------------------------


def test_modified_time_moves_on_every_update_unless_the_update_sets_it(fake):
    # Drive v3 files.update: "some fields might change automatically, such as modifiedDate";
    # File.modifiedTime is writable ("Note that setting modifiedTime will also update
    # modifiedByMeTime for the user").
    files = fake.build("drive").files()
    template = fake.drive.add_file("Plan", DOC)
    fields = "id,modifiedTime"
    before = files.get(fileId=template, fields=fields).execute()["modifiedTime"]

    renamed = files.update(fileId=template, body={"name": "Plan 2"}, fields=fields).execute()
    set_back = files.update(
        fileId=template, body={"modifiedTime": "2026-11-02T09:30:00.000Z"}, fields=fields
    ).execute()

    assert renamed["modifiedTime"] > before
    assert set_back["modifiedTime"] == "2026-11-02T09:30:00.000Z"
    assert files.get(fileId=template, fields=fields).execute() == set_back


def test_a_copy_is_modified_when_it_is_made_not_when_its_template_was(fake):
    files = fake.build("drive").files()
    template = fake.drive.add_file("Plan", DOC)
    fake.drive.edit(template, "2026-01-05T08:00:00.000Z")

    copied = files.copy(fileId=template, body={"name": "Copy"}, fields="modifiedTime").execute()

    assert files.get(fileId=template, fields="modifiedTime").execute() == {
        "modifiedTime": "2026-01-05T08:00:00.000Z"
    }
    assert copied["modifiedTime"] > "2026-01-05T08:00:00.000Z"


# --- Custom properties -----------------------------------------------------------------------


def test_a_property_over_124_bytes_with_its_key_is_refused_and_nothing_changes(fake):
    # Drive: 403 propertyLengthLimitExceeded, "Properties and app properties are limited to
    # 124 bytes in UTF-8 encoding, counting both the key and the value."
    # (RichardX366/Obsidian-Google-Drive#34)
    files = fake.build("drive").files()
    folder = fake.drive.add_folder("Student")
    key = "tutorsync-copying"
    fits = "x" * (124 - len(key))
    files.update(fileId=folder, body={"properties": {key: fits}}).execute()

    for field in ("properties", "appProperties"):
        with pytest.raises(HttpError) as updated:
            files.update(fileId=folder, body={field: {key: fits + "é"}}).execute()
        assert refusal(updated) == (403, "propertyLengthLimitExceeded")
    with pytest.raises(HttpError) as created:
        files.create(body={"name": "New", "properties": {key: fits + "x"}}).execute()

    assert refusal(created) == (403, "propertyLengthLimitExceeded")
    assert fake.drive.file(folder)["properties"] == {key: fits}
    assert [f["name"] for f in fake.drive.files()] == ["Student"]
