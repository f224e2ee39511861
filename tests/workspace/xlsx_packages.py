"""Teachers' `.xlsx` files as other programs write them, built part by part for tests.

`excel_package` writes what Excel 365 saves for a gradebook with everything openpyxl cannot
keep: a chart and a text box on the grades tab, cross-sheet dropdowns and sparklines (both
`x14` extensions), a table, a comment, a pivot table, a chartsheet, the shared string table and
the calculation chain; optionally macros (`.xlsm`), the 1904 date system, Google Sheets'
export habits (inline strings, an empty `<definedNames/>`, absolute relationship targets) or
the Open XML SDK's (every element with an `x:` prefix). The parts follow the files those
programs write, trimmed to what matters to a package: namespaces, `mc:Ignorable`, extension
lists, relationship and content-type entries. The LibreOffice file is a real one
(`fixtures/libreoffice_gradebook.xlsx`, made by `fixtures/make_libreoffice_gradebook.py`).
"""

# XML parts as the programs write them, one entry a line.
# ruff: noqa: E501

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
CT = "application/vnd.openxmlformats-officedocument"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


@dataclass(frozen=True)
class Flavour:
    macros: bool = False
    date1904: bool = False
    google: bool = False  # inline strings, <definedNames/>, absolute targets, no calc chain
    prefixed: bool = False  # every spreadsheetml element as x:..., as the Open XML SDK writes


def excel_package(flavour: Flavour = Flavour()) -> bytes:
    parts = _parts(flavour)
    if flavour.prefixed:
        parts = {name: _prefixed(name, xml) for name, xml in parts.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data if isinstance(data, bytes) else data.encode())
    return out.getvalue()


def _prefixed(name: str, xml: str | bytes) -> str | bytes:
    """The part as the Open XML SDK writes it: spreadsheetml under the `x` prefix."""
    if isinstance(xml, bytes) or not name.startswith("xl/") or name.endswith((".rels", ".vml")):
        return xml
    if f'xmlns="{MAIN}"' not in xml:
        return xml
    import re

    xml = xml.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"', 1)
    # Every unprefixed element is spreadsheetml in these parts.
    return re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s>/])", r"<\1x:\2", xml)


def _parts(f: Flavour) -> dict[str, str | bytes]:
    target = "/xl/" if f.google else ""
    workbook_type = (
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        if f.macros
        else f"{CT}.spreadsheetml.sheet.main+xml"
    )
    parts: dict[str, str | bytes] = {}
    parts["[Content_Types].xml"] = (
        HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Default Extension="vml" ContentType="{CT}.vmlDrawing"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.spreadsheetml.worksheet+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{CT}.spreadsheetml.worksheet+xml"/>'
        f'<Override PartName="/xl/chartsheets/sheet1.xml" ContentType="{CT}.spreadsheetml.chartsheet+xml"/>'
        f'<Override PartName="/xl/theme/theme1.xml" ContentType="{CT}.theme+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{CT}.spreadsheetml.styles+xml"/>'
        + (
            ""
            if f.google
            else f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.spreadsheetml.sharedStrings+xml"/>'
            f'<Override PartName="/xl/calcChain.xml" ContentType="{CT}.spreadsheetml.calcChain+xml"/>'
        )
        + f'<Override PartName="/xl/drawings/drawing1.xml" ContentType="{CT}.drawing+xml"/>'
        f'<Override PartName="/xl/drawings/drawing2.xml" ContentType="{CT}.drawing+xml"/>'
        f'<Override PartName="/xl/charts/chart1.xml" ContentType="{CT}.drawingml.chart+xml"/>'
        f'<Override PartName="/xl/charts/chart2.xml" ContentType="{CT}.drawingml.chart+xml"/>'
        f'<Override PartName="/xl/tables/table1.xml" ContentType="{CT}.spreadsheetml.table+xml"/>'
        f'<Override PartName="/xl/comments1.xml" ContentType="{CT}.spreadsheetml.comments+xml"/>'
        f'<Override PartName="/xl/pivotTables/pivotTable1.xml" ContentType="{CT}.spreadsheetml.pivotTable+xml"/>'
        f'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" ContentType="{CT}.spreadsheetml.pivotCacheDefinition+xml"/>'
        f'<Override PartName="/xl/pivotCache/pivotCacheRecords1.xml" ContentType="{CT}.spreadsheetml.pivotCacheRecords+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{CT}.extended-properties+xml"/>'
        "</Types>"
    )
    parts["_rels/.rels"] = (
        HEAD + f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    parts["docProps/app.xml"] = (
        HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>Microsoft Excel</Application><TitlesOfParts>'
        '<vt:vector xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"'
        ' size="3" baseType="lpstr"><vt:lpstr>Grades</vt:lpstr><vt:lpstr>Lists</vt:lpstr>'
        "<vt:lpstr>Chart</vt:lpstr></vt:vector></TitlesOfParts></Properties>"
    )
    parts["docProps/core.xml"] = (
        HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:creator>A. Fictional Teacher</dc:creator></cp:coreProperties>"
    )
    parts["xl/workbook.xml"] = _workbook(f)
    parts["xl/_rels/workbook.xml.rels"] = (
        HEAD + f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId8" Type="{REL}/pivotCacheDefinition" Target="{target}pivotCache/pivotCacheDefinition1.xml"/>'
        + (
            ""
            if f.google
            else f'<Relationship Id="rId7" Type="{REL}/calcChain" Target="calcChain.xml"/>'
            f'<Relationship Id="rId6" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
        + f'<Relationship Id="rId5" Type="{REL}/styles" Target="{target}styles.xml"/>'
        f'<Relationship Id="rId4" Type="{REL}/theme" Target="{target}theme/theme1.xml"/>'
        f'<Relationship Id="rId3" Type="{REL}/chartsheet" Target="{target}chartsheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/worksheet" Target="{target}worksheets/sheet2.xml"/>'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="{target}worksheets/sheet1.xml"/>'
        + (
            '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/'
            f'vbaProject" Target="{target}vbaProject.bin"/>'
            if f.macros
            else ""
        )
        + "</Relationships>"
    )
    if f.macros:
        parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4
    parts["xl/theme/theme1.xml"] = (
        HEAD + '<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'name="Office Theme"><a:themeElements/></a:theme>'
    )
    parts["xl/styles.xml"] = _styles(f)
    if not f.google:
        parts["xl/sharedStrings.xml"] = (
            HEAD
            + f'<sst xmlns="{MAIN}" count="9" uniqueCount="9">'
            + "".join(
                f"<si><t>{text}</t></si>"
                for text in (
                    "Student ID",
                    "Name",
                    "Quiz 1",
                    "Term",
                    "S001",
                    "Fictional Ada",
                    "Fall",
                    "Spring",
                    "Summer",
                )
            )
            + "</sst>"
        )
        parts["xl/calcChain.xml"] = (
            HEAD + f'<calcChain xmlns="{MAIN}"><c r="E2" i="1"/></calcChain>'
        )
    parts["xl/worksheets/sheet1.xml"] = _grades(f)
    parts["xl/worksheets/_rels/sheet1.xml.rels"] = (
        HEAD + f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId3" Type="{REL}/comments" Target="../comments1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/vmlDrawing" Target="../drawings/vmlDrawing1.vml"/>'
        f'<Relationship Id="rId1" Type="{REL}/drawing" Target="../drawings/drawing1.xml"/>'
        f'<Relationship Id="rId4" Type="{REL}/table" Target="../tables/table1.xml"/>'
        "</Relationships>"
    )
    parts["xl/worksheets/sheet2.xml"] = _lists(f)
    parts["xl/worksheets/_rels/sheet2.xml.rels"] = (
        HEAD + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/pivotTable" '
        'Target="../pivotTables/pivotTable1.xml"/></Relationships>'
    )
    parts["xl/chartsheets/sheet1.xml"] = (
        HEAD + f'<chartsheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr/><sheetViews>'
        '<sheetView zoomScale="115" workbookViewId="0" zoomToFit="1"/></sheetViews>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<drawing r:id="rId1"/></chartsheet>'
    )
    parts["xl/chartsheets/_rels/sheet1.xml.rels"] = (
        HEAD + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/drawing" '
        'Target="../drawings/drawing2.xml"/></Relationships>'
    )
    for number, anchor in ((1, _chart_and_text_box()), (2, _whole_sheet_chart())):
        parts[f"xl/drawings/drawing{number}.xml"] = (
            HEAD + '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
            'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            f"{anchor}</xdr:wsDr>"
        )
        parts[f"xl/drawings/_rels/drawing{number}.xml.rels"] = (
            HEAD + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/chart" '
            f'Target="../charts/chart{number}.xml"/></Relationships>'
        )
        parts[f"xl/charts/chart{number}.xml"] = (
            HEAD + '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            "<c:chart><c:plotArea><c:barChart><c:ser><c:val><c:numRef><c:f>Grades!$C$2:$C$3"
            "</c:f></c:numRef></c:val></c:ser></c:barChart></c:plotArea></c:chart></c:chartSpace>"
        )
    parts["xl/drawings/vmlDrawing1.vml"] = (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:x="urn:schemas-microsoft-com:office:'
        'excel"><v:shape type="#_x0000_t202"><x:ClientData ObjectType="Note"><x:Row>1</x:Row>'
        "<x:Column>1</x:Column></x:ClientData></v:shape></xml>"
    )
    parts["xl/comments1.xml"] = (
        HEAD + f'<comments xmlns="{MAIN}"><authors><author>Ms Fictional</author></authors>'
        '<commentList><comment ref="B2" authorId="0"><text><r><t>Transferred in October</t></r>'
        "</text></comment></commentList></comments>"
    )
    parts["xl/tables/table1.xml"] = (
        HEAD + f'<table xmlns="{MAIN}" id="1" name="Quizzes" displayName="Quizzes" ref="A1:E3" '
        'totalsRowShown="0"><autoFilter ref="A1:E3"/><tableColumns count="5">'
        '<tableColumn id="1" name="Student ID"/><tableColumn id="2" name="Name"/>'
        '<tableColumn id="3" name="Quiz 1"/><tableColumn id="4" name="Term"/>'
        '<tableColumn id="5" name="Average"/></tableColumns>'
        '<tableStyleInfo name="TableStyleMedium2" showRowStripes="1"/></table>'
    )
    parts["xl/pivotTables/pivotTable1.xml"] = (
        HEAD + f'<pivotTableDefinition xmlns="{MAIN}" name="PivotTable1" cacheId="1" '
        'dataCaption="Values"><location ref="D1:E4" firstHeaderRow="1" firstDataRow="1" '
        'firstDataCol="1"/></pivotTableDefinition>'
    )
    parts["xl/pivotTables/_rels/pivotTable1.xml.rels"] = (
        HEAD + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/pivotCacheDefinition" Target="../pivotCache/pivotCacheDefinition1.xml"/>'
        "</Relationships>"
    )
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = (
        HEAD + f'<pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{REL}" r:id="rId1" '
        'recordCount="2"><cacheSource type="worksheet"><worksheetSource ref="A1:D3" '
        'sheet="Grades"/></cacheSource></pivotCacheDefinition>'
    )
    parts["xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels"] = (
        HEAD + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/pivotCacheRecords" Target="pivotCacheRecords1.xml"/></Relationships>'
    )
    parts["xl/pivotCache/pivotCacheRecords1.xml"] = (
        HEAD + f'<pivotCacheRecords xmlns="{MAIN}" count="0"/>'
    )
    return parts


def _workbook(f: Flavour) -> str:
    return (
        HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}" xmlns:mc="{MC}" '
        'mc:Ignorable="x15 xr xr6 xr10 xr2" '
        'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" '
        'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
        'xmlns:xr6="http://schemas.microsoft.com/office/spreadsheetml/2016/revision6" '
        'xmlns:xr10="http://schemas.microsoft.com/office/spreadsheetml/2016/revision10" '
        'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2">'
        '<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>'
        + ('<workbookPr date1904="1" codeName="ThisWorkbook"/>' if f.date1904 else "")
        + ("" if f.date1904 else '<workbookPr defaultThemeVersion="166925"/>')
        + '<xr:revisionPtr revIDLastSave="0" documentId="8_{1B2C}" xr6:coauthVersionLast="47" '
        'xr6:coauthVersionMax="47" xr10:uidLastSave="{00000000-0000-0000-0000-000000000000}"/>'
        '<bookViews><workbookView xWindow="-120" yWindow="-120" windowWidth="29040" '
        'windowHeight="15840" activeTab="1" xr2:uid="{6A1F}"/></bookViews><sheets>'
        '<sheet name="Grades" sheetId="1" r:id="rId1"/>'
        '<sheet name="Lists" sheetId="3" state="hidden" r:id="rId2"/>'
        '<sheet name="Chart" sheetId="4" r:id="rId3"/></sheets>'
        + (
            "<definedNames/>"
            if f.google
            else '<definedNames><definedName name="Terms">Lists!$A$1:$A$3</definedName>'
            '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            "Grades!$A$1:$E$3</definedName></definedNames>"
        )
        + '<calcPr calcId="191029"/><pivotCaches><pivotCache cacheId="1" r:id="rId8"/>'
        '</pivotCaches><extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" '
        'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
        '<x15:workbookPr chartTrackingRefBase="1"/></ext></extLst></workbook>'
    )


def _styles(f: Flavour) -> str:
    return (
        HEAD + f'<styleSheet xmlns="{MAIN}" xmlns:mc="{MC}" mc:Ignorable="x14ac x16r2 xr" '
        f'xmlns:x14ac="{X14AC}" '
        'xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/2015/02/main" '
        'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">'
        + (
            ""
            if f.google
            else '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
        )
        + '<fonts count="2" x14ac:knownFonts="1"><font><sz val="11"/><color theme="1"/>'
        '<name val="Aptos Narrow"/><family val="2"/><scheme val="minor"/></font>'
        '<font><b/><sz val="11"/><color theme="1"/><name val="Aptos Narrow"/><family val="2"/>'
        '<scheme val="minor"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
        '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1">'
        "<border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        + (
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            if f.google
            else '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        )
        + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles>"
        + (
            '<dxfs count="0"/>'
            if f.google
            else '<dxfs count="1"><dxf><font><color rgb="FF9C0006"/></font><fill><patternFill>'
            '<bgColor rgb="FFFFC7CE"/></patternFill></fill></dxf></dxfs>'
        )
        + '<tableStyles count="0" defaultTableStyle="TableStyleMedium2" '
        'defaultPivotStyle="PivotStyleLight16"/><extLst><ext uri="{EB79DEF2-80B8-43e5-95BD-54CBDDF9020C}" '
        f'xmlns:x14="{X14}"><x14:slicerStyles defaultSlicerStyle="SlicerStyleLight1"/></ext>'
        "</extLst></styleSheet>"
    )


def _grades(f: Flavour) -> str:
    def text(reference: str, index: int, value: str, style: str = "") -> str:
        if f.google:
            return f'<c r="{reference}"{style} t="inlineStr"><is><t>{value}</t></is></c>'
        return f'<c r="{reference}"{style} t="s"><v>{index}</v></c>'

    return (
        HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" xmlns:mc="{MC}" '
        f'mc:Ignorable="x14ac xr xr2 xr3" xmlns:x14ac="{X14AC}" '
        'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
        'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" '
        'xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" '
        'xr:uid="{5D5B}"><sheetPr codeName="Sheet1"><tabColor rgb="FF00B050"/></sheetPr>'
        '<dimension ref="A1:E3"/><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
        'topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><sheetData>'
        '<row r="1" spans="1:5" x14ac:dyDescent="0.25">'
        + text("A1", 0, "Student ID", ' s="1"')
        + text("B1", 1, "Name", ' s="1"')
        + text("C1", 2, "Quiz 1", ' s="1"')
        + text("D1", 3, "Term", ' s="1"')
        + '</row><row r="2" spans="1:5" x14ac:dyDescent="0.25">'
        + text("A2", 4, "S001")
        + text("B2", 5, "Fictional Ada")
        + '<c r="C2"><v>44927</v></c>'
        + text("D2", 6, "Fall")
        + '<c r="E2" s="2"><f>C2/100</f><v>449.27</v></c></row></sheetData>'
        + (
            ""
            if f.google
            else '<conditionalFormatting sqref="C2:C3"><cfRule type="cellIs" dxfId="0" '
            'priority="1" operator="lessThan"><formula>60</formula></cfRule>'
            "</conditionalFormatting>"
        )
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<drawing r:id="rId1"/><legacyDrawing r:id="rId2"/><tableParts count="1">'
        '<tablePart r:id="rId4"/></tableParts><extLst>'
        f'<ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
        f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" '
        'allowBlank="1" showInputMessage="1" showErrorMessage="1"><x14:formula1>'
        "<xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>D2:D50</xm:sqref>"
        "</x14:dataValidation></x14:dataValidations></ext>"
        f'<ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" xmlns:x14="{X14}">'
        f'<x14:sparklineGroups xmlns:xm="{XM}"><x14:sparklineGroup displayEmptyCellsAs="gap">'
        '<x14:colorSeries theme="4" tint="-0.499984740745262"/><x14:sparklines><x14:sparkline>'
        "<xm:f>Grades!C2:C2</xm:f><xm:sqref>F2</xm:sqref></x14:sparkline></x14:sparklines>"
        "</x14:sparklineGroup></x14:sparklineGroups></ext></extLst></worksheet>"
    )


def _lists(f: Flavour) -> str:
    cells = "".join(
        f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>{term}</t></is></c></row>'
        if f.google
        else f'<row r="{row}"><c r="A{row}" t="s"><v>{index}</v></c></row>'
        for row, (index, term) in enumerate(((6, "Fall"), (7, "Spring"), (8, "Summer")), 1)
    )
    return (
        HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><dimension ref="A1:A3"/>'
        f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        f"<sheetData>{cells}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )


def _chart_and_text_box() -> str:
    return (
        "<xdr:twoCellAnchor><xdr:from><xdr:col>6</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1"
        "</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>12</xdr:col>"
        "<xdr:colOff>0</xdr:colOff><xdr:row>15</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/>'
        "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm/><a:graphic><a:graphicData "
        'uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart xmlns:c="http://'
        'schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships" r:id="rId1"/></a:graphicData></a:graphic>'
        "</xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"
        "<xdr:oneCellAnchor><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>5"
        '</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="2000000" cy="500000"/>'
        '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="3" name="TextBox 2"/>'
        '<xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr/><xdr:txBody><a:bodyPr/><a:p><a:r>'
        "<a:t>Retakes on Friday</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
        "</xdr:oneCellAnchor>"
    )


def _whole_sheet_chart() -> str:
    return (
        '<xdr:absoluteAnchor><xdr:pos x="0" y="0"/><xdr:ext cx="8666049" cy="6293304"/>'
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/>'
        "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm/><a:graphic><a:graphicData "
        'uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart xmlns:c="http://'
        'schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships" r:id="rId1"/></a:graphicData></a:graphic>'
        "</xdr:graphicFrame><xdr:clientData/></xdr:absoluteAnchor>"
    )


def draw_as_excel(
    parts: dict[str, bytes],
    sheet_part: str,
    title: str,
    categories: str,
    values: str,
    anchor: tuple[int, int],
) -> None:
    """A line chart someone drew on the worksheet `sheet_part` (which has a drawing already),
    saved as Excel saves it: the drawing rewritten under the `xdr` prefix with every object's
    name kept, the new chart's part, relationship and content type added. `categories` and
    `values` are ranges ('Tab'!$A$2:$A$4); `anchor` is (row, column), 0-based."""
    folder, name = sheet_part.rsplit("/", 1)
    [drawing_target] = re.findall(
        r'Type="[^"]*/drawing" Target="([^"]+)"|Target="([^"]+)"[^>]*Type="[^"]*/drawing"',
        parts[f"{folder}/_rels/{name}.rels"].decode(),
    )
    target = next(t for t in drawing_target if t)
    drawing = target.lstrip("/") if target.startswith("/") else _joined(folder, target)
    d_folder, d_name = drawing.rsplit("/", 1)
    rels = f"{d_folder}/_rels/{d_name}.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        f'<Relationship Id="rId90" Type="{REL}/chart" Target="../charts/chart90.xml"/>'
        "</Relationships>".encode(),
    )
    sd = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    c = "http://schemas.openxmlformats.org/drawingml/2006/chart"
    row, column = anchor
    theirs = (
        f"<xdr:twoCellAnchor><xdr:from><xdr:col>{column}</xdr:col><xdr:colOff>0</xdr:colOff>"
        f"<xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>"
        f"{column + 6}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row + 14}</xdr:row>"
        '<xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
        '<xdr:cNvPr id="1" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
        f'<xdr:xfrm/><a:graphic><a:graphicData uri="{c}"><c:chart r:id="rId90"/>'
        "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"
    )
    text = parts[drawing].decode()
    body = text[text.index(">", text.index("<wsDr")) + 1 : text.rindex("</wsDr>")]
    # Excel's own prefix for its objects; openpyxl's (unprefixed) keep their default namespace.
    parts[drawing] = (
        f'{HEAD}<xdr:wsDr xmlns:xdr="{sd}" xmlns="{sd}" xmlns:a="{a}" xmlns:c="{c}" '
        f'xmlns:r="{REL}">{theirs}{body}</xdr:wsDr>'
    ).encode()
    parts["xl/charts/chart90.xml"] = (
        f'{HEAD}<c:chartSpace xmlns:c="{c}" xmlns:a="{a}" xmlns:r="{REL}"><c:chart><c:title>'
        f"<c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{title}</a:t></a:r></a:p></c:rich></c:tx>"
        '</c:title><c:plotArea><c:layout/><c:lineChart><c:grouping val="standard"/><c:ser>'
        '<c:idx val="0"/><c:order val="0"/>'
        f"<c:cat><c:strRef><c:f>{categories}</c:f></c:strRef></c:cat>"
        f"<c:val><c:numRef><c:f>{values}</c:f></c:numRef></c:val></c:ser>"
        '<c:axId val="10"/><c:axId val="20"/></c:lineChart><c:catAx><c:axId val="10"/>'
        '<c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="b"/><c:crossAx val="20"/></c:catAx><c:valAx><c:axId val="20"/>'
        '<c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="l"/><c:crossAx val="10"/></c:valAx></c:plotArea></c:chart>'
        "</c:chartSpace>"
    ).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        f'<Override PartName="/xl/charts/chart90.xml" ContentType="{CT}.drawingml.chart+xml"/>'
        "</Types>".encode(),
    )


def _joined(folder: str, target: str) -> str:
    out: list[str] = []
    for piece in f"{folder}/{target}".split("/"):
        if piece == "..":
            out.pop()
        elif piece not in ("", "."):
            out.append(piece)
    return "/".join(out)
