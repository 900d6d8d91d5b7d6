import HandoffCLI

HandoffCommand.runCommandLine()
