# -*- coding: latin-1 -*-
# TODO: translate the café menu <owner=pierre>
menu = "café"
