"""The IPTC marking in XMP, for readers that do not speak C2PA (ExifTool, photo tools, platforms).

``Iptc4xmpExt:DigitalSourceType`` holds the IPTC code, ``photoshop:Credit``
the credit line, ``xmp:CreatorTool`` Imprint and its version.
"""

from xml.sax.saxutils import escape

IPTC_SOURCE_TYPES = "http://cv.iptc.org/newscodes/digitalsourcetype/"

_PACKET = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
{source_type}    photoshop:Credit="{credit}"
    xmp:CreatorTool="{creator_tool}"/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""


def source_type_uri(code):
    """The IPTC URI of a digital source type code (``trainedAlgorithmicMedia`` …)."""
    return IPTC_SOURCE_TYPES + code


def _attribute(value):
    return escape(value, {'"': "&quot;"})


def build_xmp(source_type, credit, creator_tool):
    """An XMP packet (UTF-8 bytes): the source type (when known), the credit line, the creator tool."""
    source = f'    Iptc4xmpExt:DigitalSourceType="{_attribute(source_type_uri(source_type))}"\n' if source_type else ""
    return _PACKET.format(source_type=source, credit=_attribute(credit),
                          creator_tool=_attribute(creator_tool)).encode()
