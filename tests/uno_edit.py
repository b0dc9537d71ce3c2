"""Edit a workbook in a running LibreOffice through UNO, as a unit would by hand, and save it as .xlsx.

Runs under the system python (Debian's python3-uno), not the test virtualenv:

    /usr/bin/python3 tests/uno_edit.py PIPE_NAME SCRIPT.json

SCRIPT.json holds ``{"source": path, "target": path, "ops": [...]}``; every op is applied in order, its
rows (zero-based) counted in the sheet as it stands after the ops before it:

    ["insert", sheet, row]            insert one row above ``row`` (Calc: 插入行)
    ["delete", sheet, row]            delete row ``row`` (Calc: 删除行)
    ["text", sheet, row, col, text]   type text into a cell
    ["number", sheet, row, col, x]    type a number into a cell

Deliberately stdlib + uno only and no import of xlsgen: it lives in another interpreter.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

CONNECT_SECONDS = 90  # soffice starting on a loaded CI machine


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe: str):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise SystemExit(f"no LibreOffice listening on pipe {pipe} after {CONNECT_SECONDS}s") from None
            time.sleep(0.25)


def main(pipe: str, script_path: str) -> None:
    script = json.loads(Path(script_path).read_text(encoding="utf-8"))
    desktop = connect(pipe)
    url = Path(script["source"]).resolve().as_uri()
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    if doc is None:
        raise SystemExit(f"LibreOffice could not open {script['source']}")
    try:
        for op in script["ops"]:
            kind, sheet = op[0], doc.Sheets.getByName(op[1])
            if kind == "insert":
                sheet.Rows.insertByIndex(op[2], 1)
            elif kind == "delete":
                sheet.Rows.removeByIndex(op[2], 1)
            elif kind == "text":
                sheet.getCellByPosition(op[3], op[2]).setString(op[4])
            elif kind == "number":
                sheet.getCellByPosition(op[3], op[2]).setValue(op[4])
            else:
                raise SystemExit(f"unknown op {op!r}")
        doc.calculateAll()
        target = Path(script["target"]).resolve().as_uri()
        doc.storeToURL(target, (prop("FilterName", "Calc MS Excel 2007 XML"),))
    finally:
        doc.close(True)
    print("saved", script["target"], flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    sys.stderr.flush()
    # pyuno's bridge can crash while the interpreter tears it down (a signal, no message) after the file
    # was saved: leave without that teardown.
    os._exit(0)
