"""TDG tags: a title line, an optional key=value property line, then body lines."""


# TODO: Paginate the report
# category=reports issue=17 estimate=2h
# Large projects produce thousands of rows; stream them
# instead of building one list.
def build_report(rows):
    # HACK: sort twice to keep the order stable
    return sorted(sorted(rows), key=len)


# NOTE: rows are plain strings for now
