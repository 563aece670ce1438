"""The command line: printing, progress and exit codes live here, never in the library."""
