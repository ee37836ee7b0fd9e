# Models arrive with the cycles, prep-form and record issues.
