complete --keep-order --exclusive --command escalate --arguments "(COMPLETE=fish escalate -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
