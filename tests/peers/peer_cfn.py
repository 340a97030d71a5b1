"""AWS::IAM::OIDCProvider in moto's CloudFormation, which moto 5.2.5 skips with a warning (its
IAM has the API, CreateOpenIDConnectProvider, but no CloudFormation model for it), so a template
from `runas setup` deploys to the peer as it deploys to AWS.

Faithful to the CloudFormation reference (AWS::IAM::OIDCProvider): properties Url,
ClientIdList, ThumbprintList (optional: IAM no longer needs a thumbprint for an IdP whose
certificate a trusted CA signs) and Tags; `Ref` and `Fn::GetAtt .Arn` both return the
provider's ARN, `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH`. Deleting the stack deletes
the provider. Importing this module registers the model; aws_peer.py imports it before the
server starts (moto reads CloudFormationModel.__subclasses__() once).
"""
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition


class OidcProviderResource(CloudFormationModel):
    # moto's model metaclass files every model under the service named by its module
    # (`moto.<service>....`); this one belongs to IAM.
    __module__ = "moto.iam.runas_peer_cfn"

    def __init__(self, provider):
        self.provider = provider

    @staticmethod
    def cloudformation_name_type():
        return ""  # the resource has no name property: its URL names it

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::OIDCProvider"

    @property
    def physical_resource_id(self):
        return self.provider.arn  # what `Ref` returns

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "Arn":
            return self.provider.arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties", {})
        backend = iam_backends[account_id][get_partition(region_name)]
        provider = backend.create_open_id_connect_provider(
            url=properties["Url"],
            thumbprint_list=properties.get("ThumbprintList", []),
            client_id_list=properties.get("ClientIdList", []),
            tags=properties.get("Tags", []),
        )
        return cls(provider)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = iam_backends[account_id][get_partition(region_name)]
        backend.delete_open_id_connect_provider(resource_name)
