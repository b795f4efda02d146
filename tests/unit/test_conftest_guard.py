"""The guard against swallowed callback errors really catches them."""

import ipywidgets as w
import pytest


def test_a_raising_click_handler_is_recorded(fail_on_swallowed_callback_errors):
    button = w.Button()

    def broken(_):
        raise RuntimeError("boom")

    button.on_click(broken)
    button.click()
    assert [str(e) for e in fail_on_swallowed_callback_errors] == ["boom"]
    fail_on_swallowed_callback_errors.clear()  # this test expects the error; do not fail it


@pytest.mark.parametrize("n", [1])
def test_clean_handlers_record_nothing(fail_on_swallowed_callback_errors, n):
    button = w.Button()
    clicks = []
    button.on_click(lambda _: clicks.append(n))
    button.click()
    assert clicks == [1]
    assert fail_on_swallowed_callback_errors == []
