"""Building and sending one kind of email from one template set."""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated(
    name: str, *, to: str, context: dict[str, object], headers: dict[str, str] | None = None
) -> None:
    """Send `<name>_subject.txt`, `<name>.txt` and `<name>.html` rendered with `context`."""
    subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{name}.txt", context),
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"{name}.html", context), "text/html")
    message.send()
