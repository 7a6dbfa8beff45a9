"""Cases (办件): the workflow table, what happens to a case, deadlines, application forms, the office inbox."""
