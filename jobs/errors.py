"""The few ways a run can fail. The CLI turns each into a message and an exit code."""


class TutorsyncError(Exception):
    """Base for expected failures: the message is meant for the person running tutorsync."""

    exit_code = 1


class ConfigError(TutorsyncError):
    """The config is missing, unreadable or invalid. Raised before anything is written."""

    exit_code = 2


class WorkspaceError(TutorsyncError):
    """A spreadsheet (or later a calendar or folder) could not be read or written."""


class MissingTab(WorkspaceError):
    """A spreadsheet that could be opened has no tab of the name asked for: the other tabs
    asked for with it may still be read, one by one."""


class SignInError(TutorsyncError):
    """Google refused to sign in with the configured credentials (a deleted key, a delegated
    user that does not exist, domain-wide delegation not granted), or could not be reached to
    sign in. Nothing can be read or written, so the whole run stops: not a WorkspaceError,
    which a job survives by leaving one spreadsheet, calendar or folder as it is."""


class LimitError(WorkspaceError):
    """A write would break a spreadsheet limit (characters in a cell, cells in a spreadsheet),
    so it was refused before anything was written."""


class LockedError(TutorsyncError):
    """Another run of the same program is in progress on this machine; this one wrote nothing."""

    exit_code = 4


class FoldersChanged(WorkspaceError):
    """`apply` found, before writing anything, that folders or template copies its changes
    would make exist already: another run (on another machine: the lock keeps a second one
    off this one) made them since the listing the changes were planned from. Writing the
    stale plan would make a second folder or copy for each, so nothing was written; the
    caller lists and plans again."""
