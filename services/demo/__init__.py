"""`qunsheng demo`: a realistic county agricultural bureau, loaded through the commands."""
