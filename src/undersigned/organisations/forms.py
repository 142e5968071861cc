from django import forms

from .models import Organisation


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("name", "contact_email")
        labels = {"name": "Name", "contact_email": "Contact address"}
        help_texts = {
            "name": "As signers and targets will see it, such as “Open Streets Alliance”.",
            "contact_email": "Where a signer's reply to one of your updates goes. Updates "
            "are sent from this site's own address; without a contact address, replies "
            "go nowhere.",
        }
