"""Small argument checks shared by the losses (Keras-style messages)."""


def is_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float))


def check_number(name, value):
    if not is_number(value):
        raise ValueError(
            f"`{name}` must be a number. Received: {name}={value!r}"
        )
    return float(value)


def check_positive(name, value):
    if not is_number(value) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive number. Received: {name}={value!r}"
        )
    return float(value)


def check_non_negative(name, value):
    if not is_number(value) or value < 0:
        raise ValueError(
            f"`{name}` must be a non-negative number. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def check_bool(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be a bool. Received: {name}={value!r}")
    return value
