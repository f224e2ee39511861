"""The local adapters: .xlsx/.csv files, an .ics file and directories under one workspace folder."""
