from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Update


class UpdateForm(forms.ModelForm):
    class Meta:
        model = Update
        fields = ("subject", "body", "signers_only")
        labels = {
            "subject": _("Subject"),
            "body": _("Message"),
            "signers_only": _("For signers only: do not publish it on the letter's page"),
        }
        help_texts = {
            "subject": _("The email's subject, and the update's title on the letter's page."),
            "body": _(
                "Markdown: **bold**, *italic*, [a link](https://example.org), "
                "## a heading, - a list item. Every update ends with a link to unsubscribe."
            ),
            "signers_only": _(
                "Send it to signers without publishing it on the letter's page and feed."
            ),
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
