from . import audit


class AuditContextMiddleware:
    """Makes the client address available to audit.record() without passing the request around."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_request_ip(audit.client_ip(request))
        try:
            return self.get_response(request)
        finally:
            audit.reset_request_ip(token)
