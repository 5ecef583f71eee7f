"""Domain errors. The API maps each kind to its HTTP status; the code names the case."""


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, /, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request is well formed but the current state forbids it."""

    status = 409


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class TooManyAttempts(DomainError):
    status = 429
