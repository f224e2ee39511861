"""tutorsync's tabs moved into an `.xlsx` package, every other part left as it was.

An `.xlsx` file is a zip of XML parts. A load-and-save through openpyxl keeps only what openpyxl
models, so a teacher's charts, cross-sheet dropdowns (x14 data validations), pivot tables,
slicers, sparklines, macros and chartsheets would be lost the first time tutorsync added its tab
to their gradebook. So openpyxl writes only tutorsync's tabs, into a scratch workbook, and
`splice` moves them into the teacher's package part by part:

- each tab's worksheet part (and what its relationships point at) replaces the old tab's part,
  or is added with its entries in `workbook.xml`, the workbook's relationships and
  `[Content_Types].xml`;
- the styles its cells use are added to `styles.xml` where no identical one is there already
  (so a rerun adds none), and its cells are renumbered to them; its text is stored in the cells
  (inline strings), not in the shared string table other tabs use;
- its sheet-scoped defined names (the owned-tab marker, filter range, print titles) replace
  the old tab's;
- what someone drew on the old tab (their charts, pictures, text boxes) is moved into the new
  tab's drawing beside tutorsync's charts, which are named so (`OWN_CHART_NAME`) and replaced;
- parts that only the old tab used (a comment box, tutorsync's old charts) are removed, and the
  calculation chain if the old tab held formulas (Excel rebuilds it).

Every other part is copied byte for byte. The XML parts that change are edited as text, at the
places the change needs: a parser's re-serialization would rename namespace prefixes, and
Excel refuses a part whose `mc:Ignorable` names a prefix that is gone.
"""

from __future__ import annotations

import io
import itertools
import posixpath
import re
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_WORKSHEET_REL = f"{_OFFICE_REL}/worksheet"
_CHARTSHEET_REL = f"{_OFFICE_REL}/chartsheet"
_STYLES_REL = f"{_OFFICE_REL}/styles"
_CALC_CHAIN_REL = f"{_OFFICE_REL}/calcChain"
_DRAWING_REL = f"{_OFFICE_REL}/drawing"
_DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
# The name each chart tutorsync draws has in its tab's drawing, numbered on: how a later write
# tells its own charts (replaced) from what an educator drew on the tab (kept).
OWN_CHART_NAME = "tutorsync chart "
_SHARED_STRINGS_REL = f"{_OFFICE_REL}/sharedStrings"
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CONTENT_TYPES = "[Content_Types].xml"
_PACKAGE_RELS = "_rels/.rels"

# The order of a stylesheet's collections (CT_Stylesheet); a missing one goes in its place.
_STYLE_COLLECTIONS = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
    "tableStyles", "colors", "extLst",
)  # fmt: skip
_FIRST_CUSTOM_FORMAT = 164  # ids below are Excel's built-in number formats

# openpyxl's regular output, which is what these edit: `<c r="A1" s="3" t="s"><v>0</v></c>`.
_CELL = re.compile(rb"<c\b(?P<attributes>[^>]*?)(?:/>|>(?P<inner>.*?)</c>)", re.DOTALL)
_ROW_OR_COLUMN = re.compile(rb"<(?:row|col)\b[^>]*>")
_RULE = re.compile(rb"<cfRule\b[^>]*>")
_STYLE_ATTRIBUTE = re.compile(rb'(?<=\s)(?P<name>s|style)="(?P<index>\d+)"')
_DXF_ATTRIBUTE = re.compile(rb'(?<=\s)dxfId="(?P<index>\d+)"')
_SHARED_TYPE = re.compile(rb'(?<=\s)t="s"')
_SHEET_PROPERTIES = re.compile(rb"<sheetPr\b(?P<attributes>[^>]*?)(?P<empty>/?)>")
_TAB_COLOUR = re.compile(rb"<(?:\w+:)?tabColor\b(?P<attributes>[^>]*?)/?>")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


class PackageError(ValueError):
    """The file is not an `.xlsx` package tutorsync can add its tabs to."""


@dataclass(frozen=True)
class PackageTab:
    """One of the workbook's sheets, in the order of its tabs."""

    title: str
    index: int  # its position among all sheets: what `localSheetId` counts
    worksheet: bool  # False for a chartsheet or a dialog sheet
    names: Mapping[str, str]  # its sheet-scoped defined names, casefolded -> formula text
    part: str  # its part in the package ("" if it has none)


@dataclass(frozen=True)
class Package:
    tabs: tuple[PackageTab, ...]
    date1904: bool  # dates count from 1904 (old Mac Excel), not 1900
    styles: str | None = None  # the stylesheet's part
    shared_strings: str | None = None  # the shared string table's part


def read_package(original: bytes) -> Package:
    """The sheets of the `.xlsx` file `original` and their sheet-scoped defined names."""
    parts = _Parts.open(original)
    workbook, root = parts.workbook_root()
    relationships = parts.relationships(workbook)  # each part read once: a run reads hundreds
    sheets = _sheets(root, relationships)
    scoped: dict[int, dict[str, str]] = {}
    for name in root.iter(f"{{{_MAIN}}}definedName"):
        scope = name.get("localSheetId")
        if scope is not None and scope.isdigit():
            scoped.setdefault(int(scope), {})[name.get("name", "").casefold()] = name.text or ""
    properties = root.find(f"{{{_MAIN}}}workbookPr")
    date1904 = properties is not None and properties.get("date1904", "") in ("1", "true")
    tabs = tuple(
        PackageTab(
            sheet.title,
            sheet.index,
            sheet.kind == _WORKSHEET_REL,
            scoped.get(index, {}),
            sheet.part,
        )
        for index, sheet in enumerate(sheets)
    )
    return Package(
        tabs=tabs,
        date1904=date1904,
        styles=_first_of(relationships, _STYLES_REL),
        shared_strings=_first_of(relationships, _SHARED_STRINGS_REL),
    )


def splice(original: bytes, scratch: bytes, replacing: Collection[str]) -> bytes:
    """`original` with the worksheets of the openpyxl workbook `scratch` in it: each one whose
    title is in `replacing` in place of the original's worksheet of that title (keeping its
    place, visibility and tab colour), the others added after the last tab."""
    target, source = _Parts.open(original), _Parts.open(scratch)
    reachable_before = target.reachable()
    workbook, root = target.workbook_root()
    existing = target.sheets(workbook, root)
    by_title = {sheet.title: sheet for sheet in existing if sheet.kind == _WORKSHEET_REL}
    cell_formats, conditional_formats = _merge_styles(target, source, workbook)
    strings = source.shared_strings()
    scratch_workbook, scratch_root = source.workbook_root()
    places: dict[int, int] = {}  # a scratch sheet's index -> its index in the workbook
    rewritten: list[int] = []
    had_formulas = False
    for sheet in source.sheets(scratch_workbook, scratch_root):
        xml = _restyled(source.data[sheet.part], cell_formats, conditional_formats, strings)
        old = by_title.get(sheet.title) if sheet.title in replacing else None
        theirs: list[_Drawn] = []
        if old is not None:
            had_formulas |= bool(_FORMULA.search(target.data[old.part]))
            xml = _with_tab_colour(xml, target.data[old.part])
            theirs = _drawn_by_others(target, old.part)
            part, places[sheet.index] = old.part, old.index
            rewritten.append(old.index)
        else:
            part, places[sheet.index] = target.add_worksheet(workbook, sheet.title), len(existing)
            existing.append(sheet)
        target.data[part] = xml
        target.copy_relationships(source, sheet.part, part)
        if theirs:
            _draw_on(target, part, theirs)
    _replace_scoped_names(target, workbook, source, scratch_workbook, places, rewritten)
    if had_formulas:
        target.remove_relationships(workbook, _CALC_CHAIN_REL)
    target.remove_unreachable(reachable_before)
    return target.saved()


# --- The package ------------------------------------------------------------------------------

_Relationship = tuple[str, str, str | None]  # Id, type, target part (None: outside the package)


def _sheets(root: ElementTree.Element, relationships: Iterable[_Relationship]) -> list[_Sheet]:
    """The sheets the workbook's XML `root` lists, by its `relationships`."""
    by_id = {rel_id: (kind, member) for rel_id, kind, member in relationships}
    sheets = []
    for index, sheet in enumerate(root.iter(f"{{{_MAIN}}}sheet")):
        kind, member = by_id.get(sheet.get(f"{{{_OFFICE_REL}}}id", ""), ("", None))
        if member is None and kind == _WORKSHEET_REL:
            raise PackageError(f"the part of its tab {sheet.get('name')!r} is missing")
        sheets.append(_Sheet(sheet.get("name", ""), index, member or "", kind))
    return sheets


def _first_of(relationships: Iterable[_Relationship], kind: str) -> str | None:
    """The first part in the package a relationship of `kind` leads to."""
    return next((m for _, k, m in relationships if k == kind and m), None)


@dataclass(frozen=True)
class _Sheet:
    title: str
    index: int
    part: str
    kind: str  # the relationship type: worksheet, chartsheet, ...


class _Members(MutableMapping[str, bytes]):
    """A zip package's parts by name, each decompressed when first asked for: listing a file's
    tabs reads its workbook part, not its worksheets."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self._parts: dict[str, bytes | None] = dict.fromkeys(archive.namelist())

    def __getitem__(self, name: str) -> bytes:
        data = self._parts[name]
        if data is None:
            try:
                data = self._archive.read(name)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
                raise PackageError(f"its part {name} is damaged ({error})") from None
            self._parts[name] = data
        return data

    def __setitem__(self, name: str, data: bytes) -> None:
        self._parts[name] = data

    def __delitem__(self, name: str) -> None:
        del self._parts[name]

    def __contains__(self, name: object) -> bool:
        # Mapping's own asks for the part, which decompressed every part a relationship
        # names (a tutor log's 28 MB worksheet) to list a file's tabs.
        return name in self._parts

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)


@dataclass
class _Parts:
    """A package's parts, edited in place, saved in their original order."""

    data: MutableMapping[str, bytes]
    infos: dict[str, zipfile.ZipInfo] = field(default_factory=dict)

    @classmethod
    def open(cls, content: bytes) -> _Parts:
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise PackageError(f"not a zip package ({error})") from None
        infos = {info.filename: info for info in archive.infolist()}
        return cls(_Members(archive), infos)

    def saved(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.data.items():
                info = self.infos.get(name)
                if info is None:
                    archive.writestr(name, data, zipfile.ZIP_DEFLATED)
                else:
                    archive.writestr(info, data)
        return out.getvalue()

    # --- Reading ---

    def find(self, name: str) -> str | None:
        """The member named `name`: part names compare without case in a package."""
        if name in self.data:
            return name
        folded = name.casefold()
        return next((member for member in self.data if member.casefold() == folded), None)

    def tree(self, part: str) -> ElementTree.Element:
        try:
            return ElementTree.fromstring(self.data[part])
        except (KeyError, ElementTree.ParseError) as error:
            raise PackageError(f"{part} is missing or damaged ({error})") from None

    def relationships(self, part: str) -> list[_Relationship]:
        """(Id, type, target part or None if external) of each relationship of `part`."""
        rels = self.find(_rels_name(part))
        if rels is None:
            return []
        found = []
        for rel in self.tree(rels).iter(f"{{{_PACKAGE_REL}}}Relationship"):
            target = rel.get("Target", "")
            external = rel.get("TargetMode") == "External"
            member = None if external else self.find(_resolve(part, target))
            found.append((rel.get("Id", ""), rel.get("Type", ""), member))
        return found

    def workbook(self) -> str:
        return self.workbook_root()[0]

    def workbook_root(self) -> tuple[str, ElementTree.Element]:
        """The workbook's part, and its XML read."""
        for _, kind, member in self.relationships(""):
            if kind.endswith("/officeDocument") and member:
                root = self.tree(member)
                if root.tag != f"{{{_MAIN}}}workbook":
                    # Strict Open XML, or not a spreadsheet at all.
                    raise PackageError("its workbook is not in the Open XML format Excel saves")
                return member, root
        raise PackageError("it has no workbook part")

    def sheets(self, workbook: str, root: ElementTree.Element) -> list[_Sheet]:
        return _sheets(root, self.relationships(workbook))

    def part_with(self, owner: str, kind: str) -> str | None:
        return _first_of(self.relationships(owner), kind)

    def shared_strings(self) -> list[str]:
        part = self.part_with(self.workbook(), _SHARED_STRINGS_REL)
        if part is None:
            return []
        return ["".join(item.itertext()) for item in self.tree(part).iter(f"{{{_MAIN}}}si")]

    def content_type(self, part: str) -> str | None:
        root = self.tree(_CONTENT_TYPES)
        for override in root.iter(f"{{{_CONTENT_TYPES_NS}}}Override"):
            if override.get("PartName", "").casefold() == "/" + part.casefold():
                return override.get("ContentType")
        extension = posixpath.splitext(part)[1].lstrip(".").casefold()
        for default in root.iter(f"{{{_CONTENT_TYPES_NS}}}Default"):
            if default.get("Extension", "").casefold() == extension:
                return default.get("ContentType")
        return None

    def reachable(self) -> set[str]:
        """Every part a relationship leads to, from the package's own relationships on."""
        seen: set[str] = set()
        waiting = [""]
        while waiting:
            for _, _, member in self.relationships(waiting.pop()):
                if member and member not in seen:
                    seen.add(member)
                    waiting.append(member)
        return seen

    # --- Editing ---

    def new_name(self, wanted: str) -> str:
        """`wanted`, or the same name numbered on until no member has it."""
        stem, number, extension = re.fullmatch(r"(.*?)(\d*)(\.[^./]+)?", wanted).groups()  # type: ignore[union-attr]
        count = int(number or 1)
        name = wanted
        while self.find(name) is not None:
            count += 1
            name = f"{stem}{count}{extension or ''}"
        return name

    def add_part(self, name: str, data: bytes, content_type: str | None) -> None:
        self.data[name] = data
        if content_type and self.content_type(name) != content_type:
            override = _tag("Override", {"PartName": f"/{name}", "ContentType": content_type})
            self.insert_before_end(_CONTENT_TYPES, "Types", override)

    def add_relationship(
        self, owner: str, kind: str, target: str, *, external: bool = False
    ) -> str:
        rels = self.find(_rels_name(owner))
        if rels is None:
            rels = _rels_name(owner)
            self.data[rels] = f'<Relationships xmlns="{_PACKAGE_REL}"></Relationships>'.encode()
        taken = {rel_id for rel_id, _, _ in self.relationships(owner)}
        rel_id = next(f"rId{n}" for n in range(1, len(taken) + 2) if f"rId{n}" not in taken)
        attributes = {"Id": rel_id, "Type": kind, "Target": target}
        if external:
            attributes["TargetMode"] = "External"
        self.insert_before_end(rels, "Relationships", _tag("Relationship", attributes))
        return rel_id

    def remove_relationships(self, owner: str, kind: str) -> None:
        rels = self.find(_rels_name(owner))
        if rels is not None:
            pattern = (
                rb"<(?:\w+:)?Relationship\b[^>]*\bType=\"" + re.escape(kind.encode()) + rb'"[^>]*/>'
            )
            self.data[rels] = re.sub(pattern, b"", self.data[rels])

    def add_worksheet(self, workbook: str, title: str) -> str:
        folder = posixpath.dirname(workbook)
        part = self.new_name(posixpath.join(folder, "worksheets", "sheet1.xml"))
        self.add_part(part, b"", _WORKSHEET_TYPE)
        rel_id = self.add_relationship(workbook, _WORKSHEET_REL, posixpath.relpath(part, folder))
        text = self.data[workbook].decode("utf-8")
        sheet_ids = [
            int(found) for found in re.findall(r'<(?:\w+:)?sheet\b[^>]*\bsheetId="(\d+)"', text)
        ]
        prefix = _prefix_of(text, "sheets")
        rel_prefix = _namespace_prefix(text, _OFFICE_REL)
        relation = (
            f"{rel_prefix}:id={quoteattr(rel_id)}"
            if rel_prefix
            else f'xmlns:tsr="{_OFFICE_REL}" tsr:id={quoteattr(rel_id)}'
        )
        sheet_id = max(sheet_ids, default=0) + 1
        element = f'<{prefix}sheet name={quoteattr(title)} sheetId="{sheet_id}" {relation}/>'
        self.insert_before_end(workbook, "sheets", element)
        return part

    def copy_relationships(self, source: _Parts, source_part: str, part: str) -> None:
        """Give `part` the relationships `source_part` has in `source`, in place of its own,
        with a copy of each part they lead to (and, in turn, of what those parts lead to)."""
        rels = self.find(_rels_name(part))
        if rels is not None:
            del self.data[rels]
        source_rels = source.find(_rels_name(source_part))
        if source_rels is None:
            return
        elements = []
        for rel in source.tree(source_rels).iter(f"{{{_PACKAGE_REL}}}Relationship"):
            attributes = dict(rel.attrib)
            if attributes.get("TargetMode") != "External":
                member = source.find(_resolve(source_part, attributes.get("Target", "")))
                if member is None:
                    continue
                wanted = posixpath.normpath(
                    posixpath.join(
                        posixpath.dirname(part),
                        posixpath.relpath(member, posixpath.dirname(source_part)),
                    )
                )
                copy = self.new_name(wanted)
                self.add_part(copy, source.data[member], source.content_type(member))
                self.copy_relationships(source, member, copy)
                attributes["Target"] = posixpath.relpath(copy, posixpath.dirname(part))
            elements.append(_tag("Relationship", attributes))
        self.data[_rels_name(part)] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PACKAGE_REL}">{"".join(elements)}</Relationships>'
        ).encode()

    def insert_before_end(self, part: str, element: str, content: str) -> None:
        text = self.data[part].decode("utf-8")
        self.data[part] = _insert_before_end(text, element, content).encode("utf-8")

    def remove_unreachable(self, reachable_before: Iterable[str]) -> None:
        """Parts that could be reached before the edit and cannot now go, with their
        relationships and content types."""
        gone = set(reachable_before) - self.reachable() - {_CONTENT_TYPES}
        for part in gone:
            self.data.pop(part, None)
            rels = self.find(_rels_name(part))
            if rels is not None:
                del self.data[rels]
            pattern = (
                rb"<(?:\w+:)?Override\b[^>]*\bPartName=\"/"
                + re.escape(part.encode())
                + rb'"[^>]*/>'
            )
            self.data[_CONTENT_TYPES] = re.sub(
                pattern, b"", self.data[_CONTENT_TYPES], flags=re.IGNORECASE
            )


def _tag(name: str, attributes: Mapping[str, str], content: str | None = None) -> str:
    listed = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    return f"<{name}{listed}/>" if content is None else f"<{name}{listed}>{content}</{name}>"


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(source: str, target: str) -> str:
    """The part a relationship's target names, relative to the part that holds it."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _prefix_of(text: str, element: str) -> str:
    """The namespace prefix (with its colon) `element` is written with, "" if none."""
    found = re.search(rf"<(\w+:)?{element}\b", text)
    return (found[1] or "") if found else ""


def _namespace_prefix(text: str, namespace: str) -> str | None:
    found = re.search(rf'xmlns:(\w+)="{re.escape(namespace)}"', text)
    return found[1] if found else None


def _insert_before_end(text: str, element: str, content: str) -> str:
    """`text` with `content` as the last children of its first `element`."""
    closing = re.search(rf"</((?:\w+:)?){element}>", text)
    if closing:
        return text[: closing.start()] + content + text[closing.start() :]
    empty = re.search(rf"<((?:\w+:)?){element}\b([^>]*?)/>", text)
    if empty:
        prefix, attributes = empty[1], empty[2]
        whole = f"<{prefix}{element}{attributes}>{content}</{prefix}{element}>"
        return text[: empty.start()] + whole + text[empty.end() :]
    raise PackageError(f"its {element} element is missing")


def _end_of_first(text: str, prefix: str, elements: Iterable[str]) -> int:
    """Where the last present of `elements` ends, or -1 if none of them is there."""
    end = -1
    for element in elements:
        name = re.escape(prefix + element)
        found = re.search(rf"</{name}>|<{name}\b[^>]*/>", text)
        if found:
            end = max(end, found.end())
    return end


# --- What someone drew on an owned tab -----------------------------------------------------

# A drawing's objects: anchors, each possibly wrapped in markup-compatibility choices.
_DRAWN = re.compile(
    r"<(?P<prefix>(?:\w+:)?)(?P<kind>AlternateContent|twoCellAnchor|oneCellAnchor|absoluteAnchor)"
    r"\b.*?</(?P=prefix)(?P=kind)>",
    re.DOTALL,
)
_DRAWING_ROOT = re.compile(r"<(?P<prefix>(?:\w+:)?)wsDr\b(?P<attributes>[^>]*)>")
_DECLARATION = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')
_RELATION = re.compile(r'(?P<name>\b\w+:(?:id|embed|link|pict))="(?P<id>[^"]*)"')
_OBJECT_ID = re.compile(r'(<(?:\w+:)?cNvPr\b[^>]*?\bid=")(\d+)(")')
_OWN_CHART = re.compile(rf'<(?:\w+:)?cNvPr\b[^>]*\bname="{re.escape(OWN_CHART_NAME)}\d+"')
_DRAWING_AFTER = (
    "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
)  # fmt: skip


@dataclass(frozen=True)
class _Drawn:
    """One object someone drew on a tab: its XML, with the namespaces of the drawing it was
    in declared on it, and what its relationships lead to (Id -> (type, target, external))."""

    xml: str
    relations: Mapping[str, tuple[str, str, bool]]


def _drawn_by_others(target: _Parts, sheet_part: str) -> list[_Drawn]:
    """What is drawn on the worksheet `sheet_part` other than tutorsync's own charts."""
    sheet_rels = target.find(_rels_name(sheet_part))
    # Most owned tabs have no drawing, and many links: their relationships are not parsed.
    if sheet_rels is None or _DRAWING_REL.encode() not in target.data[sheet_rels]:
        return []
    drawing = target.part_with(sheet_part, _DRAWING_REL)
    if drawing is None:
        return []
    text = target.data[drawing].decode("utf-8")
    root = _DRAWING_ROOT.search(text)
    if root is None:
        return []
    declarations = _DECLARATION.findall(root["attributes"])
    relations = {}
    rels = target.find(_rels_name(drawing))
    if rels is not None:
        for rel in target.tree(rels).iter(f"{{{_PACKAGE_REL}}}Relationship"):
            external = rel.get("TargetMode") == "External"
            where = rel.get("Target", "")
            member = where if external else target.find(_resolve(drawing, where))
            if member is not None:
                relations[rel.get("Id", "")] = (rel.get("Type", ""), member, external)
    drawn = []
    for found in _DRAWN.finditer(text, root.end()):
        xml = found[0]
        if _OWN_CHART.search(xml):
            continue
        # Declared on the object itself, its prefixes mean the same in any drawing.
        start = len(found["prefix"]) + len(found["kind"]) + 1
        own = xml[: xml.index(">")]
        added = "".join(d for d in declarations if d.partition("=")[0] + "=" not in own)
        xml = xml[:start] + added + xml[start:]
        used = {
            m["id"]: relations[m["id"]] for m in _RELATION.finditer(xml) if m["id"] in relations
        }
        drawn.append(_Drawn(xml, used))
    return drawn


def _draw_on(target: _Parts, sheet_part: str, drawn: Iterable[_Drawn]) -> None:
    """`drawn` put in the worksheet's drawing (made if it has none), before what is there,
    its relationships renumbered to the drawing's and its objects' IDs to fresh ones."""
    drawing = target.part_with(sheet_part, _DRAWING_REL)
    if drawing is None:
        folder = posixpath.dirname(posixpath.dirname(sheet_part))
        drawing = target.new_name(posixpath.join(folder, "drawings", "drawing1.xml"))
        empty = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<wsDr xmlns="{_DRAWING_NS}"></wsDr>'
        )
        target.add_part(drawing, empty.encode(), _DRAWING_TYPE)
        rel_id = target.add_relationship(
            sheet_part, _DRAWING_REL, posixpath.relpath(drawing, posixpath.dirname(sheet_part))
        )
        target.data[sheet_part] = _with_drawing(target.data[sheet_part], rel_id)
    text = target.data[drawing].decode("utf-8")
    next_id = max((int(m[2]) for m in _OBJECT_ID.finditer(text)), default=0) + 1
    objects = []
    for item in drawn:
        renamed = {}
        for old_id, (kind, member, external) in item.relations.items():
            where = member if external else posixpath.relpath(member, posixpath.dirname(drawing))
            renamed[old_id] = target.add_relationship(drawing, kind, where, external=external)
        xml, next_id = _renumbered(item.xml, renamed, next_id)
        objects.append(xml)
    root = _DRAWING_ROOT.search(text)
    if root is None:
        raise PackageError(f"{drawing} has no drawing in it")
    target.data[drawing] = (text[: root.end()] + "".join(objects) + text[root.end() :]).encode()


def _renumbered(xml: str, relations: Mapping[str, str], next_id: int) -> tuple[str, int]:
    """A drawn object's XML with its relationship Ids renamed by `relations` and its objects'
    IDs (unique within a drawing) numbered from `next_id` on; and the next free ID."""
    xml = _RELATION.sub(lambda m: f'{m["name"]}="{relations.get(m["id"], m["id"])}"', xml)
    numbers = itertools.count(next_id)
    xml, count = _OBJECT_ID.subn(lambda m: f"{m[1]}{next(numbers)}{m[3]}", xml)
    return xml, next_id + count


def _with_drawing(xml: bytes, rel_id: str) -> bytes:
    """openpyxl's worksheet XML with a drawing element, where CT_Worksheet has it."""
    element = f'<drawing xmlns:tsr="{_OFFICE_REL}" tsr:id={quoteattr(rel_id)}/>'.encode()
    starts = [m.start() for n in _DRAWING_AFTER if (m := re.search(rb"<%b\b" % n.encode(), xml))]
    at = min(starts, default=xml.rindex(b"</worksheet>"))
    return xml[:at] + element + xml[at:]


# --- Defined names ------------------------------------------------------------------------------

_DEFINED_NAME = re.compile(
    r"<(?P<prefix>(?:\w+:)?)definedName\b(?P<attributes>[^>]*?)(?:/>|>.*?</(?P=prefix)definedName>)",
    re.DOTALL,
)
_SCOPE = re.compile(r'\blocalSheetId="(\d+)"')


def _replace_scoped_names(
    target: _Parts,
    workbook: str,
    source: _Parts,
    scratch_workbook: str,
    places: Mapping[int, int],
    rewritten: Collection[int],
) -> None:
    """The rewritten tabs' sheet-scoped names dropped, the scratch tabs' added."""
    text = target.data[workbook].decode("utf-8")

    def kept(match: re.Match[str]) -> str:
        scope = _SCOPE.search(match["attributes"])
        return "" if scope and int(scope[1]) in rewritten else match[0]

    text = _DEFINED_NAME.sub(kept, text)
    prefix = _prefix_of(text, "sheets")
    names = []
    for name in source.tree(scratch_workbook).iter(f"{{{_MAIN}}}definedName"):
        scope = name.get("localSheetId")
        if scope is None or not scope.isdigit() or int(scope) not in places:
            continue
        attributes = {**name.attrib, "localSheetId": str(places[int(scope)])}
        names.append(_tag(f"{prefix}definedName", attributes, escape(name.text or "")))
    if names:
        content = "".join(names)
        if re.search(rf"<{re.escape(prefix)}definedNames\b", text):
            text = _insert_before_end(text, "definedNames", content)
        else:
            # CT_Workbook: sheets, functionGroups, externalReferences, then definedNames.
            end = _end_of_first(text, prefix, ("sheets", "functionGroups", "externalReferences"))
            if end < 0:
                raise PackageError("its sheets element is missing")
            whole = f"<{prefix}definedNames>{content}</{prefix}definedNames>"
            text = text[:end] + whole + text[end:]
    target.data[workbook] = text.encode("utf-8")


# --- Styles -----------------------------------------------------------------------------------


def _merge_styles(target: _Parts, source: _Parts, workbook: str) -> tuple[list[int], list[int]]:
    """The scratch workbook's cell formats and conditional formats added to the target's
    styles where it has no identical one; their indexes in the target (cell formats, then
    conditional formats), by their index in the scratch workbook."""
    scratch_styles = source.part_with(source.workbook(), _STYLES_REL)
    if scratch_styles is None:
        return [], []
    styles = target.part_with(workbook, _STYLES_REL)
    scratch_root = source.tree(scratch_styles)
    if styles is None:
        folder = posixpath.dirname(workbook)
        part = target.new_name(posixpath.join(folder, "styles.xml"))
        target.add_part(part, source.data[scratch_styles], source.content_type(scratch_styles))
        target.add_relationship(workbook, _STYLES_REL, posixpath.relpath(part, folder))
        return (
            list(range(len(_children(scratch_root, "cellXfs")))),
            list(range(len(_children(scratch_root, "dxfs")))),
        )
    merge = _StyleMerge(target.tree(styles), scratch_root)
    text = target.data[styles].decode("utf-8")
    target.data[styles] = _with_collections(text, merge.added, merge.totals).encode("utf-8")
    return merge.cell_formats, merge.conditional_formats


def _children(root: ElementTree.Element, collection: str) -> list[ElementTree.Element]:
    found = root.find(f"{{{_MAIN}}}{collection}")
    return list(found) if found is not None else []


def _xml(element: ElementTree.Element, *, top: bool = True) -> str:
    """A style element as text, its namespace declared on it: the same style gives the same
    text however its file wrote it. ValueError for anything outside the main namespace (no
    style of tutorsync's has it)."""
    if not element.tag.startswith(f"{{{_MAIN}}}") or any(k[:1] == "{" for k in element.attrib):
        raise ValueError(f"{element.tag} is not a plain stylesheet element")
    attributes = {"xmlns": _MAIN} if top else {}
    attributes.update(element.attrib)
    content = escape(element.text or "") + "".join(_xml(child, top=False) for child in element)
    return _tag(element.tag.partition("}")[2], attributes, content or None)


class _StyleMerge:
    """What to add to a stylesheet so that it holds every style of the scratch stylesheet."""

    def __init__(self, target: ElementTree.Element, scratch: ElementTree.Element) -> None:
        self.target = target
        self.added: dict[str, list[str]] = {}
        self.totals: dict[str, int] = {}
        formats = self._number_formats(scratch)
        fonts = self._merged("fonts", _children(scratch, "fonts"))
        fills = self._merged("fills", _children(scratch, "fills"))
        borders = self._merged("borders", _children(scratch, "borders"))
        cell_formats = []
        for original in _children(scratch, "cellXfs"):
            xf = ElementTree.Element(original.tag, original.attrib)
            xf.extend(original)
            number_format = _number(xf.get("numFmtId"))
            xf.set("numFmtId", str(formats.get(number_format, number_format)))
            for attribute, mapping in (("fontId", fonts), ("fillId", fills), ("borderId", borders)):
                xf.set(attribute, str(mapping[_number(xf.get(attribute))]))
            xf.set("xfId", "0")  # the target's own Normal style
            cell_formats.append(xf)
        self.cell_formats = self._merged("cellXfs", cell_formats)
        self.conditional_formats = self._merged("dxfs", _children(scratch, "dxfs"))

    def _number_formats(self, scratch: ElementTree.Element) -> dict[int, int]:
        existing = {
            element.get("formatCode", ""): _number(element.get("numFmtId"))
            for element in _children(self.target, "numFmts")
        }
        next_id = max([_FIRST_CUSTOM_FORMAT - 1, *existing.values()]) + 1
        mapping = {}
        added = self.added.setdefault("numFmts", [])
        for element in _children(scratch, "numFmts"):
            code = element.get("formatCode", "")
            if code not in existing:
                existing[code] = next_id
                added.append(
                    _xml(
                        ElementTree.Element(
                            element.tag, {"numFmtId": str(next_id), "formatCode": code}
                        )
                    )
                )
                next_id += 1
            mapping[_number(element.get("numFmtId"))] = existing[code]
        self.totals["numFmts"] = len(_children(self.target, "numFmts")) + len(added)
        return mapping

    def _merged(self, collection: str, elements: Iterable[ElementTree.Element]) -> list[int]:
        existing = _children(self.target, collection)
        index: dict[str, int] = {}
        for position, element in enumerate(existing):
            try:
                index.setdefault(_xml(element), position)
            except ValueError:  # an element of another namespace: never one of ours
                continue
        added = self.added.setdefault(collection, [])
        mapping = []
        for element in elements:
            text = _xml(element)
            if text not in index:
                index[text] = len(existing) + len(added)
                added.append(text)
            mapping.append(index[text])
        self.totals[collection] = len(existing) + len(added)
        return mapping


def _number(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _with_collections(text: str, added: Mapping[str, list[str]], totals: Mapping[str, int]) -> str:
    """The stylesheet `text` with `added` elements at the end of their collections (made where
    missing, in the schema's order) and each changed collection's count updated."""
    prefix = _prefix_of(text, "styleSheet")
    for collection in _STYLE_COLLECTIONS:
        elements = added.get(collection)
        if not elements:
            continue
        if not prefix:  # the default namespace is the stylesheet's: no need to declare it
            elements = [element.replace(f' xmlns="{_MAIN}"', "", 1) for element in elements]
        content = "".join(elements)
        count = f'count="{totals[collection]}"'
        name = re.escape(prefix + collection)
        start = re.search(rf"<{name}\b([^>]*?)(/?)>", text)
        if start is None:
            before = _STYLE_COLLECTIONS[: _STYLE_COLLECTIONS.index(collection)]
            end = _end_of_first(text, prefix, before)
            if end < 0:
                end = re.search(rf"<{re.escape(prefix)}styleSheet\b[^>]*>", text).end()  # type: ignore[union-attr]
            whole = f"<{prefix}{collection} {count}>{content}</{prefix}{collection}>"
            text = text[:end] + whole + text[end:]
            continue
        attributes = (
            re.sub(r'\bcount="\d*"', count, start[1])
            if "count=" in start[1]
            else f"{start[1]} {count}"
        )
        if start[2]:
            whole = f"<{prefix}{collection}{attributes}>{content}</{prefix}{collection}>"
            text = text[: start.start()] + whole + text[start.end() :]
        else:
            closing = text.index(f"</{prefix}{collection}>", start.end())
            text = (
                text[: start.start()]
                + f"<{prefix}{collection}{attributes}>"
                + text[start.end() : closing]
                + content
                + text[closing:]
            )
    return text


# --- A tab's worksheet part -------------------------------------------------------------------


def _restyled(
    xml: bytes, cell_formats: list[int], conditional_formats: list[int], strings: list[str]
) -> bytes:
    """openpyxl's worksheet XML with its style indexes renumbered to the target's, and text
    from the scratch workbook's shared strings put in the cells."""

    def style(match: re.Match[bytes]) -> bytes:
        index = int(match["index"])
        mapped = cell_formats[index] if index < len(cell_formats) else index
        return b'%s="%d"' % (match["name"], mapped)

    def conditional(match: re.Match[bytes]) -> bytes:
        index = int(match["index"])
        mapped = conditional_formats[index] if index < len(conditional_formats) else index
        return b'dxfId="%d"' % mapped

    def cell(match: re.Match[bytes]) -> bytes:
        attributes, inner = _STYLE_ATTRIBUTE.sub(style, match["attributes"]), match["inner"]
        if inner is None:
            return b"<c" + attributes + b"/>"
        shared = re.fullmatch(rb"\s*<v>(\d+)</v>\s*", inner)
        if shared and _SHARED_TYPE.search(attributes) and int(shared[1]) < len(strings):
            attributes = _SHARED_TYPE.sub(b't="inlineStr"', attributes)
            text = escape(strings[int(shared[1])], {"\r": "&#13;"}).encode("utf-8")
            inner = b'<is><t xml:space="preserve">' + text + b"</t></is>"
        return b"<c" + attributes + b">" + inner + b"</c>"

    xml = _CELL.sub(cell, xml)
    xml = _ROW_OR_COLUMN.sub(lambda match: _STYLE_ATTRIBUTE.sub(style, match[0]), xml)
    return _RULE.sub(lambda match: _DXF_ATTRIBUTE.sub(conditional, match[0]), xml)


def _with_tab_colour(xml: bytes, old_xml: bytes) -> bytes:
    """The new worksheet XML with the tab colour someone gave the old tab."""
    properties = re.search(rb"<(?:\w+:)?sheetPr\b.*?(?:</(?:\w+:)?sheetPr>|/>)", old_xml, re.DOTALL)
    colour = _TAB_COLOUR.search(properties[0]) if properties else None
    if colour is None:
        return xml
    element = b"<tabColor" + colour["attributes"].rstrip(b"/") + b"/>"
    start = _SHEET_PROPERTIES.search(xml)
    if start is None:
        root = re.search(rb"<worksheet\b[^>]*>", xml)
        if root is None:
            return xml
        return xml[: root.end()] + b"<sheetPr>" + element + b"</sheetPr>" + xml[root.end() :]
    if start["empty"]:
        whole = b"<sheetPr" + start["attributes"] + b">" + element + b"</sheetPr>"
        return xml[: start.start()] + whole + xml[start.end() :]
    return xml[: start.end()] + element + xml[start.end() :]
