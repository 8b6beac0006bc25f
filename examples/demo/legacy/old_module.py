# Folk tags, configured with schema_paths = [{ path = "legacy/*", schema = "folk" }].

# TODO(alice): move this helper into app/
def helper():
    # FIXME(bob, carol): handle empty input
    return 1


# TODO: 1234: see https://tracker.example.com/issues/1234
