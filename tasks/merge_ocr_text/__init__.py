"""Merge OCR Text: put the text Textract found into the pages that had no text layer."""
