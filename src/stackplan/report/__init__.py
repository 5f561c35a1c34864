"""Report writers of a plan: terminal tables, Markdown and one self-contained HTML page."""

from stackplan.report.html import plan_html
from stackplan.report.markdown import plan_markdown
from stackplan.report.terminal import print_plan

__all__ = ["plan_html", "plan_markdown", "print_plan"]
