# TODO: excluded by [tool.pycodetags] exclude = ["build"] <never=shown>
