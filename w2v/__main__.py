from w2v.cli import run

run()
