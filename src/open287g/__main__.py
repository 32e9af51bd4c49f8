from .cli import app

app(prog_name="open287g")
