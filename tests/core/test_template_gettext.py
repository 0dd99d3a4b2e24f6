"""Templates translate as Jinja's newstyle gettext does: the translation is trusted markup,
its variables are escaped, plurals count with ``num``, and the text is always a format
string."""

from __future__ import annotations

from lab.core import i18n
from lab.core.web import build_jinja


def render(source: str, **values: object) -> str:
    return build_jinja().from_string(source).render(**values)


def test_variables_are_escaped_and_the_translation_is_not():
    with i18n.language("en"):
        out = render(
            '{{ _("Réserver %(resource)s à %(time)s", resource=name, time="9:00") }}',
            name="<b>Studio</b>",
        )
    assert out == "Book &lt;b&gt;Studio&lt;/b&gt; at 9:00"


def test_french_typography_and_percent_signs():
    with i18n.language("fr"):
        assert render('{{ _("Fermé : %(reason)s", reason="travaux") }}') == "Fermé\u00a0: travaux"
        assert render('{{ _("100 %%") }}') == "100 %"


def test_plurals_count_with_num_in_each_language():
    source = '{{ ngettext("%(num)d unité", "%(num)d unités", n) }}'
    with i18n.language("fr"):
        assert [render(source, n=n) for n in (0, 1, 2)] == ["0 unité", "1 unité", "2 unités"]
    with i18n.language("nl"):
        assert render(source, n=2) == "2 stuks"


def test_without_autoescape_nothing_is_escaped():
    env = build_jinja()
    env.autoescape = False
    with i18n.language("fr"):
        assert env.from_string('{{ _("%(a)s", a="<i>") }}').render() == "<i>"
