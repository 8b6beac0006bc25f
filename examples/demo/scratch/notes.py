# TODO: skipped because .ignore lists scratch/ <never=shown>
