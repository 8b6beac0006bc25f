# A tag with a duplicate property is reported as a diagnostic; the file's other tags stay.

# TODO: duplicate property <priority=1 priority=2>
# FIXME: positional token that is not a name <#123>
# TODO: a good tag after two bad ones <ok=yes>
