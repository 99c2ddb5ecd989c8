"""Code quoted in an issue's prose without Markdown, and the names the reporter's own code defines."""

from __future__ import annotations

import pytest

from workers.retrieval.issue_code import called_names
from workers.retrieval.issue_lines import MAX_LINES, code_lines, is_code_line, reporter_definitions
from workers.retrieval.issue_spans import code_spans

# A ticket as Django's tracker stores it: tab-indented code, no fences, no backticks.
TICKET = """\
URLField throws ValueError instead of ValidationError on clean
Description
\t
forms.URLField( ).clean('////]@N.AN')
results in:
Given the following model:
class Profile(models.Model):
\tcapabilities = ArrayField(
\t\tmodels.CharField(choices=Capability.choices, max_length=30, blank=True),
\t\tnull=True,
\t)
The query is ordered ASC but I expect the order to be DESC.
Environment (OSX 10.11):
>>> print(Child.objects.all().query)
"""


@pytest.mark.parametrize(
    "line",
    [
        "forms.URLField( ).clean('////]@N.AN')",
        "class Profile(models.Model):",
        "\tdef create_option(self, name, value, label, selected, index, subindex=None, attrs=None):",
        "\t\tnull=True,",
        'qs = qs.order_by("record__root_id")',
        "from django.db.models import Q",
        "if value in allowed_values: # This is an array [1, 2] and it is fine as it is",
        "In [4]: Q() & Exists(Product.objects.all())",
        "\treturn [cls.BASIC]",
        "help_text = models.CharField(help_text='The tag key of the thing we wanted to store')",
    ],
)
def test_code_shaped_lines_are_code(line: str) -> None:
    assert is_code_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "The query is ordered ASC but I expect the order to be DESC.",
        "Environment (OSX 10.11):",
        "Q(...) & Exists(...) raises a TypeError",
        "If we work with a field:",
        "for example this does not work when the list is empty:",
        "return value is wrong when it is called twice",
        "",
        "x = (" + "a, " * 200 + ")",  # longer than any quoted line worth reading
    ],
)
def test_prose_is_not_code(line: str) -> None:
    assert not is_code_line(line)


def test_code_lines_keep_order_and_drop_prose() -> None:
    assert code_lines(TICKET) == [
        "forms.URLField( ).clean('////]@N.AN')",
        "class Profile(models.Model):",
        "capabilities = ArrayField(",
        "models.CharField(choices=Capability.choices, max_length=30, blank=True),",
        "null=True,",
        ">>> print(Child.objects.all().query)",
    ]


def test_code_lines_are_capped() -> None:
    assert len(code_lines("x = f(1)\n" * (MAX_LINES + 50))) == MAX_LINES


def test_code_spans_include_plain_code_lines() -> None:
    spans = code_spans(TICKET)
    assert "forms.URLField( ).clean('////]@N.AN')" in spans
    assert not any("ordered ASC" in span for span in spans)


def test_reporter_definitions_are_classes_functions_and_bindings_not_keyword_arguments() -> None:
    code = (
        "class Profile(models.Model):\n    def clean(self):\n        pass\n"
        "qs = Profile.objects.all()\nnull=True,\n"
    )
    assert reporter_definitions(code) == {
        "Profile": "class Profile(models.Model):",
        "clean": "def clean(self):",
        "qs": "qs = Profile.objects.all()",
    }


def test_called_names_leave_out_what_the_reporter_defines() -> None:
    text = "```\nclass Article(models.Model):\n    pass\nArticle.objects.bulk_create([Article()])\n```"
    names = called_names(text)
    assert "bulk_create" in names
    assert "Article" not in names
