"""Word documents the board sends upward, on the frame of Nghị định 30/2020/NĐ-CP (official.py)."""
