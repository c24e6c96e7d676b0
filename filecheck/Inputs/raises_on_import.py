raise RuntimeError("this module cannot be imported")


def program():
    return None
