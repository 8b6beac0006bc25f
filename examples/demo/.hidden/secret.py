# TODO: skipped because hidden folders are not walked <never=shown>
