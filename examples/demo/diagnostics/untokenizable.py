# TODO: this tag is found, before the tokenizer gives up <owner=kim>
x = 1
s = """this triple-quoted string never ends
# TODO: inside the string, not a comment
