# This file is not valid UTF-8 and declares no encoding.
# TODO: never reported <x=1>
name = "ÿþ"
