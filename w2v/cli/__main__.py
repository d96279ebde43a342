import sys

from w2v.cli import main

sys.exit(main())
