"""PEP 350 tags: a title, then <…> metadata with positional author/date and key=value fields."""

import time


# TODO: fix the retry loop <jdoe 2025-07-01 priority=high>
def retry(action, attempts=3):
    for attempt in range(attempts):
        try:
            return action()
        except OSError:  # FIXME: catch only transient errors <ann cat:bug>
            time.sleep(2**attempt)
    # BUG: the last error is swallowed; re-raise it
    #   so callers can see why the action failed.
    #   <id=42 status=open assignee=jdoe>
    return None


text = "# TODO: not a tag, this is a string"
