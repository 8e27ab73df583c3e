from amlb.cli import main

raise SystemExit(main())
