"""Talking to devices: the serial protocol client, emulators, flash runners."""
