"""The requester's email is checked by the email-validator library (syntax only, no DNS)."""

from __future__ import annotations

import uuid

import pytest

from models.validation import is_valid_email


@pytest.mark.parametrize(
    "address", ["siti.rahmawati@example.go.id", "budi+ppdb@disdik.jabarprov.go.id"]
)
def test_valid_addresses_pass(address):
    assert is_valid_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "siti",
        "siti@",
        "@example.go.id",
        "siti@@example.go.id",
        "siti..r@example.go.id",
        "siti@example..go.id",
        "siti@-example.go.id",
        "si ti@example.go.id",
    ],
)
def test_invalid_addresses_fail(address):
    # "siti..r@" and "siti@-example" passed the old hand-written regex.
    assert not is_valid_email(address)


def test_a_text_longer_than_an_address_is_checked_but_not_kept():
    from models import validation

    before = validation._kept_email.cache_info().currsize
    assert not validation.is_valid_email("a" * 300 + "@example.go.id")
    assert validation._kept_email.cache_info().currsize == before
    assert validation.is_valid_email(f"kept.{uuid.uuid4().hex}@example.go.id")  # a new one
    assert validation._kept_email.cache_info().currsize == before + 1
