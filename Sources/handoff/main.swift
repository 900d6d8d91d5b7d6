import HandoffCLI

await HandoffCommand.runCommandLine()
