"""Lambda's entry for the workflow function: its code is main.py beside it, imported on the first
invocation when init is on the request path (hotline/entry.py, issue 24)."""

from hotline.entry import entry

handler, _entry = entry(__name__, __file__)
load = _entry.load
__getattr__ = _entry.attribute
