"""Digital skills: the competence framework, evidence of what a visitor can do, progress derived
from it, and Open Badges 3.0 credentials anyone can verify."""
