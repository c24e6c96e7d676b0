"""Front ends: source programs in, ``rasp`` dialect modules out."""
