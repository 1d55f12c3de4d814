from django import forms

from catalog.models import Emotion, Strategy


class MoodMapPreviewForm(forms.Form):
    emotion = forms.ModelChoiceField(queryset=Emotion.objects.all(), to_field_name="code", empty_label=None,
                                     error_messages={"invalid_choice": "There is no emotion with that code."})
    strategy = forms.ChoiceField(choices=Strategy.choices,
                                 error_messages={"invalid_choice": "Choose match, lift or calm."})
    tracks = forms.IntegerField(min_value=1, max_value=100, initial=30, required=False,
                                help_text="How many ranks to show (1-100).")
