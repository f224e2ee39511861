"""Google field masks: `a,b(c,d/e),f.g` parsed into a tree, used to prune and to update.

A tree maps a field name to its sub-tree, or to None when the whole field is selected.
"*" selects every field at its level.
"""

from __future__ import annotations

from typing import Any

FieldTree = dict[str, "FieldTree | None"]


def parse(mask: str) -> FieldTree:
    """Parse a mask such as `spreadsheetId,sheets(properties(sheetId,title),data/rowData)`."""
    parser = _Parser(mask.replace(" ", ""))
    tree = parser.selection_list()
    if parser.pos != len(parser.text):
        raise ValueError(f"Invalid field selection {mask!r} at character {parser.pos}")
    return tree


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",()./":
            self.pos += 1
        if start == self.pos:
            raise ValueError(f"Invalid field selection {self.text!r} at character {start}")
        return self.text[start : self.pos]

    def selection_list(self) -> FieldTree:
        tree: FieldTree = {}
        while True:
            _merge(tree, self.selection())
            if self.peek() != ",":
                return tree
            self.pos += 1

    def selection(self) -> FieldTree:
        key = self.name()
        if self.peek() in (".", "/"):
            self.pos += 1
            return {key: self.selection()}
        if self.peek() == "(":
            self.pos += 1
            sub = self.selection_list()
            if self.peek() != ")":
                raise ValueError(f"Unbalanced parentheses in field selection {self.text!r}")
            self.pos += 1
            return {key: sub}
        return {key: None}


def _merge(into: FieldTree, extra: FieldTree) -> None:
    for key, sub in extra.items():
        if key not in into:
            into[key] = sub
        elif into[key] is None or sub is None:
            into[key] = None
        else:
            _merge(into[key], sub)  # type: ignore[arg-type]


def selects(tree: FieldTree | None, *path: str) -> bool:
    """True when the mask selects (all or part of) the field at `path`."""
    for key in path:
        if tree is None:
            return True
        if key in tree:
            tree = tree[key]
        elif "*" in tree:
            tree = tree["*"]
        else:
            return False
    return True


def json_copy(value: Any) -> Any:
    """A deep copy of parsed JSON (dicts, lists, scalars): copy.deepcopy does the same for any
    object, several times slower, which large grids feel."""
    if isinstance(value, dict):
        return {key: json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_copy(item) for item in value]
    return value


def subtree(tree: FieldTree | None, *path: str) -> FieldTree | None:
    """The selection below `path` (None: everything there), for a path `selects` accepts."""
    for key in path:
        if tree is None:
            return None
        tree = tree[key] if key in tree else tree.get("*")
    return tree


def prune(value: Any, tree: FieldTree | None) -> Any:
    """Keep only the selected fields; lists apply the selection to each element."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [prune(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key not in tree and "*" not in tree:
            continue
        sub = tree[key] if key in tree else tree["*"]
        pruned = prune(item, sub)
        if sub is not None and isinstance(item, dict) and not pruned:
            continue  # an object with none of the selected fields is left out, as Google does
        result[key] = pruned
    return result


def apply_update(target: dict[str, Any], source: dict[str, Any], tree: FieldTree) -> None:
    """Set the masked fields of `target` from `source`; a masked field absent there is cleared."""
    if "*" in tree:
        target.clear()
        target.update(json_copy(source))
        return
    for key, sub in tree.items():
        if sub is None:
            if source.get(key) is not None:
                target[key] = json_copy(source[key])
            else:
                target.pop(key, None)
            continue
        inner = target.get(key)
        inner = dict(inner) if isinstance(inner, dict) else {}
        apply_update(inner, source.get(key) or {}, sub)
        if inner:
            target[key] = inner
        else:
            target.pop(key, None)


def leaf_paths(tree: FieldTree, prefix: str = "") -> list[str]:
    """Dotted paths of the selected leaves, e.g. ["userEnteredFormat.numberFormat"]."""
    paths = []
    for key, sub in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        paths.extend([path] if sub is None else leaf_paths(sub, path))
    return paths
