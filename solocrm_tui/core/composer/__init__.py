"""The composer: its grammar (text -> command) and carrying a command out."""
