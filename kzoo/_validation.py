"""Argument checks shared by kzoo's constructors.

Each raises `ValueError` in Keras phrasing, naming the argument and the value
received (``"`margin` must be a number. Received: margin='a'"``), and returns
the value (as a float for numbers).
"""


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


def check_integer(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"`{name}` must be an integer. Received: {name}={value!r}"
        )
    return value
