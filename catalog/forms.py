from django import forms


class CatalogUploadForm(forms.Form):
    file = forms.FileField(help_text="data_moods.csv layout or the generic layout (see docs/recommendations.md).")
