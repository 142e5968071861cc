from django import forms

from .models import Update


class UpdateForm(forms.ModelForm):
    class Meta:
        model = Update
        fields = ("subject", "body", "signers_only")
        labels = {
            "subject": "Subject",
            "body": "Message",
            "signers_only": "For signers only: do not publish it on the letter's page",
        }
        help_texts = {
            "subject": "The email's subject, and the update's title on the letter's page.",
            "body": "Markdown: **bold**, *italic*, [a link](https://example.org), "
            "## a heading, - a list item. Every update ends with a link to unsubscribe.",
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
