"""lab: the software of a Mission locale 2.0, the digital lab of a youth employment centre."""

__version__ = "0.1.0"
