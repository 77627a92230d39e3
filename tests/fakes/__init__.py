"""Fake platform servers the tests run on 127.0.0.1, so real clients talk over real sockets."""
