from django import forms


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="As signers and targets will see it, such as “Open Streets Alliance”.",
    )
