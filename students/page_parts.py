"""Extra panels on the staff's pupil page, contributed by the apps above the pupil register.

Pupils stand below the plans, the disputes and the portal and know nothing of them (ARCHITECTURE.md import floors).
A higher app registers a provider here from its AppConfig.ready(); the pupil page (students.views.student_detail)
renders whatever the providers return, in registration order, through templates/students/student_detail.html.

A provider is `(student, user) -> list of (template_name, context)`. It decides itself what the user may see (the
view has already reached `student` through students.access) and records its own audit rows when it reads more than
the pupil page already logs.
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import User

from .models import Student

PagePart = tuple[str, dict]
PagePartProvider = Callable[[Student, User], list[PagePart]]

_providers: list[PagePartProvider] = []


def register(provider: PagePartProvider) -> None:
    """Called from a higher app's AppConfig.ready(); registering the same provider twice keeps one."""
    if provider not in _providers:
        _providers.append(provider)


def parts(student: Student, user: User) -> list[PagePart]:
    """The registered panels for this pupil and this user, in registration order."""
    return [part for provider in _providers for part in provider(student, user)]
